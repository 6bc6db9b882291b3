// Copies the design system's built files into market/static/vendor (not committed).
import { cpSync, mkdirSync, rmSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, "market", "static", "vendor");
rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });

const dkfds = join(root, "node_modules", "dkfds", "dist");
for (const part of ["css", "js", "fonts", "img"]) {
  cpSync(join(dkfds, part), join(target, "dkfds", part), { recursive: true });
}
const axe = join(root, "node_modules", "axe-core", "axe.min.js");
if (existsSync(axe)) {
  mkdirSync(join(target, "axe"), { recursive: true });
  cpSync(axe, join(target, "axe", "axe.min.js"));
}
console.log("assets built into", target);
