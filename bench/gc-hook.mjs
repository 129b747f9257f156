// Preloaded into every server under test (with --expose-gc): SIGUSR2 asks for a full garbage
// collection, so RSS is read after garbage is gone and idle-connection figures compare fairly.
process.on('SIGUSR2', () => globalThis.gc?.());
