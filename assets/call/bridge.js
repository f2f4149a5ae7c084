// The app's side of the page: QWebChannel object `parley`, JSON messages both ways.
"use strict";
window.parleyBridge = function (onMessage) {
  return new Promise(function (resolve) {
    new QWebChannel(qt.webChannelTransport, function (channel) {
      var parley = channel.objects.parley;
      var post = function (message) { parley.post(JSON.stringify(message)); };
      parley.to_page.connect(function (text) { onMessage(JSON.parse(text)); });
      post({ type: "ready" });
      resolve(post);
    });
  });
};
