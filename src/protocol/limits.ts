/** Size limits applied to every inbound payload at the transport edge. */
export interface PayloadLimits {
  /**
   * Longest accepted SDP text, in characters.
   * @default 65536 — a 16-party mesh offer with simulcast stays under 20 KB; 64 KB leaves room.
   */
  maxSdpLength: number;
  /**
   * Longest accepted ICE candidate line.
   * @default 1024 — real candidate lines are 60–250 characters.
   */
  maxCandidateLength: number;
  /**
   * Longest in-call chat message.
   * @default 4000 — a long paragraph; files go over the data channel, not the server.
   */
  maxChatLength: number;
  /**
   * Longest room, study or user id.
   * @default 128
   */
  maxIdLength: number;
}

export const defaultLimits: PayloadLimits = {
  maxSdpLength: 65536,
  maxCandidateLength: 1024,
  maxChatLength: 4000,
  maxIdLength: 128,
};
