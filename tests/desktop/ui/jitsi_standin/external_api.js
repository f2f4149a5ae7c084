// A stand-in for Jitsi's IFrame API, served by the test on 127.0.0.1: it records what the app
// builds it with and the commands it receives, and emits the events the test queues.
"use strict";
(function () {
  var ORIGIN = document.currentScript.src.replace(/\/external_api\.js.*$/, "");
  function report(kind, data) {
    return fetch(ORIGIN + "/record", { method: "POST", body: JSON.stringify({ kind: kind, data: data }) });
  }
  window.JitsiMeetExternalAPI = function (domain, options) {
    var listeners = {};
    var emit = function (name, data) { (listeners[name] || []).forEach(function (f) { f(data); }); };
    report("constructed", { domain: domain, roomName: options.roomName, jwt: options.jwt,
      configOverwrite: options.configOverwrite, userInfo: options.userInfo });
    this.addListener = function (name, f) { (listeners[name] = listeners[name] || []).push(f); };
    this.executeCommand = function (name) { report("command", name); };
    // The host page is not Jitsi's origin: it must not get the camera.
    navigator.mediaDevices.getUserMedia({ video: true }).then(
      function () { report("host_camera", "granted"); },
      function (e) { report("host_camera", e.name); });
    setInterval(async function () {
      var r = await fetch(ORIGIN + "/events");
      (await r.json()).forEach(function (e) { emit(e.name, e.data); });
    }, 100);
  };
})();
