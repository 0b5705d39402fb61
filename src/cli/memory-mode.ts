/**
 * V8's memory-saving heuristics for the whole run (main.ts runs this module first). A run's
 * work is parsing answers as fast as two APIs send them, and by default V8 then lets the heap
 * grow to several times what the program holds. With `--optimize-for-size` set, each collection
 * lets the old heap grow to about 1.3 times what survived (V8's "conservative" growing mode, the
 * one it uses for an isolate in the background), so it collects more often and holds less. Set
 * at run time it changes only such decisions, never what is computed; the heap's layout (the
 * size of its young generation) was fixed at start-up and stays. `node --no-optimize-for-size`
 * (or `--optimize-for-size`) given to node itself is left as given.
 */
import { setFlagsFromString } from 'node:v8';

if (!process.execArgv.some((arg) => /^--(no-)?optimize[-_]for[-_]size$/.test(arg)))
  setFlagsFromString('--optimize-for-size');
