// Types of the module `codeexec build` generates per stack (templates/stack-config.js.j2).
export declare const STACK: Readonly<{
  name: string;
  service: string;
  version: string;
  engine: string;
  logUserCode: boolean;
}>;
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
export declare const RATE_LIMIT: Readonly<{ binding: string; limit: number; periodSeconds: number }>;
