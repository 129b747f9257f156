// tsx /tmp/joins.ts <transport> <label> [dir] ; env SENV json
import { measureIdle, idleServerRss } from './idle.js';
import { sinyalSpec, baselineSpecs, startServer, removeDataDirs } from './servers.js';
const [which, dir] = process.argv.slice(2);
const spec = which === 'bare-ws' ? baselineSpecs.ws : which === 'peerjs' ? baselineSpecs.peerjs :
  sinyalSpec(which === 'sio' ? 'socket.io' : 'ws', JSON.parse(process.env.SENV ?? '{}'), dir ? { dir, label: 'x' } : undefined);
const server = await startServer(spec, []);
await idleServerRss(server);
const r = await measureIdle(server, Number(process.env.N ?? 5000), () => {});
console.log(`${which} ${dir ?? ''} ${process.env.SENV ?? ''}: ${r.joinsPerSecond.toFixed(0)}/s cpu ${r.cpuMicrosPerJoin.toFixed(0)} main ${r.mainThreadCpuMicrosPerJoin.toFixed(0)} µs/join, ${(r.bytesPerConnection/1024).toFixed(1)} KB/conn`);
await server.stop(); removeDataDirs();
