#!/usr/bin/env node
// node packages/runner-sessions/src/cli.mjs <dir> [--seed N] [--actions N] [--screens N]
//   [--width W --height H] [--png] [--form camel|snake|bridge] [--hostile]
import path from "node:path";
import { generateSession } from "./session.mjs";
import { writeHostileInputs } from "./hostile.mjs";

const USAGE = "usage: node packages/runner-sessions/src/cli.mjs <dir> [--seed N] [--actions N] [--screens N] [--width W --height H] [--png] [--form camel|snake|bridge] [--hostile]";

export function parseArgs(argv) {
  const args = { dir: undefined, options: {}, hostile: false };
  const integer = (flag, value) => {
    const n = Number(value);
    if (value === undefined || !Number.isInteger(n)) throw new Error(`${flag} needs an integer, got ${value ?? "nothing"}`);
    return n;
  };
  const names = { "--seed": "seed", "--actions": "actions", "--screens": "distinctScreens", "--width": "width", "--height": "height" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a in names) args.options[names[a]] = integer(a, argv[++i]);
    else if (a === "--png") args.options.jpegInPng = false;
    else if (a === "--form") {
      const form = argv[++i];
      if (!["camel", "snake", "bridge"].includes(form)) throw new Error(`--form must be camel, snake or bridge, got ${form ?? "nothing"}`);
      args.options.eventsForm = form;
    } else if (a === "--hostile") args.hostile = true;
    else if (a === "-h" || a === "--help") return { help: true };
    else if (!a.startsWith("-") && args.dir === undefined) args.dir = a;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!args.dir) throw new Error("the session directory is missing");
  return args;
}

function shown(dir) {
  const rel = path.relative(process.cwd(), path.resolve(dir));
  return rel === "" ? "." : rel.startsWith("..") ? path.resolve(dir) : rel;
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${e.message}\n${USAGE}`);
    process.exit(2);
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const truth = await generateSession(args.dir, args.options);
  const hostile = args.hostile ? await writeHostileInputs(args.dir) : [];
  const c = truth.counts;
  const o = truth.options;
  console.log(
    `runner session in ${shown(args.dir)}: ${c.screenshots} screenshots (${o.width}x${o.height}, ${o.jpegInPng ? "JPEG in .png" : "PNG"}), ${c.debugVisuals} debug visuals, ` +
      `${c.actions} actions (${c.failedActions} failed, ${c.unknownAttempts} unknown attempts), ${c.events} tree events (${o.eventsForm}), ${c.groundingLines} grounding lines, ` +
      `${truth.templateBoxes.length} template boxes, ${c.distinctScreensDrawn} screens drawn${args.hostile ? `, ${hostile.length} hostile inputs` : ""} in ${truth.stats.durationMs} ms`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  main().catch((e) => {
    console.error(e.stack ?? String(e));
    process.exit(1);
  });
}
