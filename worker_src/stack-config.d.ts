// Types of the module `codeexec build` generates per stack (templates/stack-config.js.j2).
export declare const STACK: Readonly<{ name: string; service: string; version: string; engine: string }>;
export declare const LIMITS: Readonly<{
  fuel: number;
  memoryBytes: number;
  heapBytes: number;
  stackBytes: number;
  maxCodeBytes: number;
  maxRequestBytes: number;
  maxLogLines: number;
  maxLogBytes: number;
  maxResultBytes: number;
}>;
