/** The page at `/` until a demo app is built: what this server is and how to connect. */
export function landingPage(origin: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>sinyal — WebRTC signaling server</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;color:#1f2430}
code,pre{background:#f1f3f7;border-radius:4px;padding:.1em .3em}pre{padding:1em;overflow:auto}</style></head>
<body><h1>sinyal</h1><p>A WebRTC signaling server. Peers find each other here, exchange SDP offers,
answers and ICE candidates, then talk peer-to-peer.</p>
<h2>Connect</h2>
<ul><li>Socket.IO: <code>io("${origin}", { auth: { userId, token } })</code>, then
<code>join-room</code> (pairs) or <code>video:join-room</code> (mesh rooms).</li>
<li>WebSocket: <code>${origin.replace(/^http/, 'ws')}/ws</code>, JSON frames
<code>{"event": NAME, "data": PAYLOAD}</code>.</li></ul>
<h2>Operate</h2><ul><li><a href="/health">/health</a></li><li><a href="/metrics">/metrics</a></li></ul>
</body></html>`;
}
