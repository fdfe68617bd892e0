/// <reference types="vitest/config" />
// Vite builds the single-page UI that Tauri embeds; Vitest runs the component tests.
import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { fileURLToPath } from "node:url";

export default defineConfig({
  plugins: [svelte()],
  resolve: {
    alias: {
      $assets: fileURLToPath(new URL("../assets", import.meta.url)),
    },
    // Component tests need Svelte's browser build, not the server one; the app
    // build keeps Vite's default conditions (which already prefer "browser").
    ...(process.env.VITEST ? { conditions: ["browser"] } : {}),
  },
  clearScreen: false,
  server: {
    fs: { allow: [".", "../assets"] },
  },
  build: {
    target: "safari15",
    // Everything ships inside the binary; inlining would need a looser CSP.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
    setupFiles: ["src/test-setup.ts"],
  },
});
