// Vitest set-up: unmount components between tests so one test cannot leak into the next.
import { cleanup } from "@testing-library/svelte";
import { afterEach } from "vitest";

afterEach(() => cleanup());
