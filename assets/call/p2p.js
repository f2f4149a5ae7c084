// The built-in 1:1 call: camera + microphone over one RTCPeerConnection; signalling through
// the app (QWebChannel -> the realtime socket); screen share replaces the outgoing video track.
"use strict";
(function () {
  var post = null, config = null, pc = null, peer = null, offered = false;
  var camera = null, screen = null, pendingCandidates = [], early = [];
  // The app sends the words in the UI language (config.labels); a state without one shows as is.
  var label = function (key) { return (config && config.labels && config.labels[key]) || key; };
  var status = function (text) { document.getElementById("status").textContent = text; };
  var event = function (name, data) { post({ type: "event", name: name, data: data }); };

  function signal(data) { if (peer) post({ type: "signal", to: peer, data: data }); }

  async function start() {
    camera = await navigator.mediaDevices.getUserMedia({
      audio: true, video: { width: 640, height: 480 } });
    document.getElementById("local").srcObject = camera;
    pc = new RTCPeerConnection({ iceServers: config.ice_servers || [] });
    camera.getTracks().forEach(function (t) { pc.addTrack(t, camera); });
    pc.onicecandidate = function (e) { if (e.candidate) signal({ candidate: e.candidate.toJSON() }); };
    pc.ontrack = function (e) { document.getElementById("remote").srcObject = e.streams[0]; };
    pc.onconnectionstatechange = function () {
      status(label(pc.connectionState)); event("connection", pc.connectionState); };
    if (config.labels && config.labels.title) document.title = config.labels.title;
    status(label(config.initiator ? "ringing" : "connecting"));
    setInterval(reportStats, 500);
    var queued = early; early = [];
    for (var i = 0; i < queued.length; i++) await handle(queued[i]);
    if (config.initiator && peer) await offer();
  }

  async function offer() {
    if (offered) return;  // the peer may be known from the config and announced again
    offered = true;
    var o = await pc.createOffer();
    await pc.setLocalDescription(o);
    signal({ sdp: { type: o.type, sdp: o.sdp } });
  }

  async function onSignal(data) {
    if (data.sdp) {
      await pc.setRemoteDescription(data.sdp);
      if (data.sdp.type === "offer") {
        var a = await pc.createAnswer();
        await pc.setLocalDescription(a);
        signal({ sdp: { type: a.type, sdp: a.sdp } });
      }
      var held = pendingCandidates; pendingCandidates = [];
      for (var i = 0; i < held.length; i++) await pc.addIceCandidate(held[i]);
    } else if (data.candidate) {
      if (pc.remoteDescription) await pc.addIceCandidate(data.candidate);
      else pendingCandidates.push(data.candidate);
    }
  }

  function videoSender() {
    return pc.getSenders().find(function (s) { return s.track && s.track.kind === "video"; });
  }

  async function share() {
    screen = await navigator.mediaDevices.getDisplayMedia({ video: true });
    var track = screen.getVideoTracks()[0];
    track.onended = stopShare;
    await videoSender().replaceTrack(track);
    document.getElementById("local").srcObject = screen;
    event("sharing", { on: true, label: track.label });
  }

  async function stopShare() {
    if (!screen) return;
    screen.getTracks().forEach(function (t) { t.stop(); });
    screen = null;
    await videoSender().replaceTrack(camera.getVideoTracks()[0]);
    document.getElementById("local").srcObject = camera;
    event("sharing", { on: false });
  }

  function enable(kind, on) {
    camera.getTracks().forEach(function (t) { if (t.kind === kind) t.enabled = on; });
  }

  async function command(name) {
    if (name === "mute") enable("audio", false);
    else if (name === "unmute") enable("audio", true);
    else if (name === "camera_off") enable("video", false);
    else if (name === "camera_on") enable("video", true);
    else if (name === "share") await share().catch(function (e) { event("error", String(e)); });
    else if (name === "stop_share") await stopShare();
    else if (name === "hangup") hangUp();
    event("command", name);
  }

  function hangUp() {
    if (pc) pc.close();
    [camera, screen].forEach(function (s) { if (s) s.getTracks().forEach(function (t) { t.stop(); }); });
  }

  async function reportStats() {
    if (!pc) return;
    var out = { inbound: {}, sending: null };
    (await pc.getStats()).forEach(function (r) {
      if (r.type === "inbound-rtp") {
        out.inbound[r.kind] = { bytes: r.bytesReceived || 0, frames: r.framesDecoded || 0,
          width: r.frameWidth || 0, height: r.frameHeight || 0, samples: r.totalSamplesReceived || 0 };
      }
    });
    var sender = videoSender();
    out.sending = sender && sender.track ? sender.track.label : null;
    out.local = {};
    camera.getTracks().forEach(function (t) { out.local[t.kind] = t.enabled; });
    post({ type: "stats", data: out });
  }

  async function handle(message) {
    if (message.type === "config") {
      config = message; peer = (config.peers || [])[0] || null;
      await start().catch(function (e) { status(String(e)); event("error", String(e)); });
    } else if (!pc) {
      early.push(message);
    } else if (message.type === "signal") {
      if (!peer) peer = message.from;
      await onSignal(message.data).catch(function (e) { event("error", String(e)); });
    } else if (message.type === "peer_joined") {
      peer = message.user_id;
      if (config.initiator) await offer();
    } else if (message.type === "command") {
      await command(message.name);
    }
  }

  var chain = Promise.resolve();
  window.addEventListener("load", async function () {
    post = await window.parleyBridge(function (m) { chain = chain.then(function () { return handle(m); }); });
  });
})();
