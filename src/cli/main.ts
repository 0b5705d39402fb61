#!/usr/bin/env node
// First: its setting holds before any other module runs.
import './memory-mode.js';
import { buildProgram } from './program.js';

await buildProgram().parseAsync(process.argv);
