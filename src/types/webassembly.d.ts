// Node has the WebAssembly global; TypeScript declares it with the DOM library only, which a server does not load.
// What the service uses of it: compiling PGlite's PostgreSQL ahead of PGlite (src/db/pglite-worker.ts).
declare namespace WebAssembly {
  // Opaque: it is only handed on to PGlite.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Module {}
  function compile(bytes: ArrayBufferView | ArrayBuffer): Promise<Module>
}
