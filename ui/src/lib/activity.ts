// Tells Rust the therapist is active (mouse, keys, scrolling), at most every few
// seconds. The idle timer itself lives in Rust.
import { commands } from "./bindings";

const THROTTLE_MS = 5_000;

export function reportActivity(target: Window = window): () => void {
  let lastReport = 0;
  const onActivity = () => {
    const now = Date.now();
    if (now - lastReport < THROTTLE_MS) return;
    lastReport = now;
    void commands.activityReport();
  };
  const kinds = ["mousemove", "mousedown", "keydown", "wheel", "touchstart"] as const;
  for (const kind of kinds) target.addEventListener(kind, onActivity, { passive: true });
  return () => {
    for (const kind of kinds) target.removeEventListener(kind, onActivity);
  };
}
