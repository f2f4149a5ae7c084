// A Jitsi room through Jitsi's IFrame API: <jitsi>/external_api.js, built from the app's JSON
// config (room, jwt, no prejoin page, display name, the app's language); its events go to the app, the app's
// buttons come back as commands.
"use strict";
(function () {
  var post = null, api = null;
  var EVENTS = ["videoConferenceJoined", "participantJoined", "participantLeft",
                "screenSharingStatusChanged", "readyToClose", "errorOccurred"];
  var COMMANDS = { mute: "toggleAudio", unmute: "toggleAudio", camera_off: "toggleVideo",
                   camera_on: "toggleVideo", share: "toggleShareScreen",
                   stop_share: "toggleShareScreen", hangup: "hangup" };

  function load(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = src; s.onload = resolve; s.onerror = function () { reject(new Error("cannot load " + src)); };
      document.head.appendChild(s);
    });
  }

  function plain(data) {
    try { return JSON.parse(JSON.stringify(data === undefined ? null : data)); }
    catch (e) { return null; }
  }

  async function join(config) {
    var url = new URL(config.jitsi.url);
    await load(url.origin + url.pathname.replace(/\/$/, "") + "/external_api.js");
    api = new JitsiMeetExternalAPI(url.host, {
      roomName: config.jitsi.room,
      jwt: config.jitsi.jwt,
      parentNode: document.getElementById("meet"),
      width: "100%", height: "100%",
      userInfo: { displayName: config.display_name },
      configOverwrite: { prejoinConfig: { enabled: false }, prejoinPageEnabled: false,
                         disableDeepLinking: true, defaultLanguage: config.language },
      interfaceConfigOverwrite: { SHOW_JITSI_WATERMARK: false }
    });
    EVENTS.forEach(function (name) {
      api.addListener(name, function (data) { post({ type: "event", name: name, data: plain(data) }); });
    });
  }

  async function handle(message) {
    if (message.type === "config") {
      await join(message).catch(function (e) {
        document.getElementById("status").textContent = String(e);
        post({ type: "event", name: "errorOccurred", data: { message: String(e) } });
      });
    } else if (message.type === "command" && api && COMMANDS[message.name]) {
      api.executeCommand(COMMANDS[message.name]);
    }
  }

  var chain = Promise.resolve();
  window.addEventListener("load", async function () {
    post = await window.parleyBridge(function (m) { chain = chain.then(function () { return handle(m); }); });
  });
})();
