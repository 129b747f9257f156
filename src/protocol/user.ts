/** The identity a handshake resolves to (`socket.user` in the mesh dialect). */
export interface User {
  id: string;
  name: string;
  avatar: string | null;
}

export type TransportName = 'socket.io' | 'websocket' | 'sse' | 'peerjs';
