/**
 * Baseline: a bare Socket.IO relay in the style of reference 004's handler
 * (`io.to(to).emit('video:ice-candidate', { from: socket.id, candidate })`), adapted to the pair
 * flow the load generator speaks. No validation, no room checks beyond Socket.IO's own rooms:
 * this is what sinyal's Socket.IO transport is measured against.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

interface RoomPayload {
  roomId: string;
}

const httpServer = createServer();
// The same Socket.IO options as sinyal (and reference 004).
const io = new Server(httpServer, {
  cors: { origin: true, credentials: true },
  pingInterval: 25000,
  pingTimeout: 60000,
  maxHttpBufferSize: 1e6,
  serveClient: false,
});

io.on('connection', (socket) => {
  socket.on('join-room', ({ roomId }: RoomPayload) => {
    void socket.join(roomId);
    const members = io.sockets.adapter.rooms.get(roomId);
    socket.emit('joined', { roomId, members: [...(members ?? [])] });
    if (members?.size !== 2) return;
    const [caller, callee] = [...members] as [string, string];
    const common = { roomId, initiatorId: caller, members: [caller, callee] };
    io.to(caller).emit('ready', { ...common, role: 'caller', partnerId: callee });
    io.to(callee).emit('ready', { ...common, role: 'callee', partnerId: caller });
  });

  socket.on('ice-candidate', ({ roomId, candidate }: RoomPayload & { candidate: unknown }) => {
    socket.to(roomId).emit('ice-candidate-received', { roomId, candidate, from: socket.id });
  });
});

httpServer.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
