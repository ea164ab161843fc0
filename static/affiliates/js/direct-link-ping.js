// Counts clicks on direct affiliate links in browsers that do not know <a ping>, by
// sending the ping ourselves as a beacon. Browsers that know the attribute send it
// themselves, or, like Firefox by default, have chosen not to: that choice is the
// reader's, so this script does not override it. See docs/affiliate-links.md.
(function () {
  "use strict";
  if ("ping" in HTMLAnchorElement.prototype || !navigator.sendBeacon) {
    return;
  }
  function report(event) {
    var link = event.target.closest && event.target.closest("a[ping]");
    if (!link) {
      return;
    }
    link.getAttribute("ping").split(/\s+/).forEach(function (url) {
      if (url) {
        navigator.sendBeacon(url);
      }
    });
  }
  document.addEventListener("click", report);
  // A middle click opens the link in a new tab: still a reader following it.
  document.addEventListener("auxclick", function (event) {
    if (event.button === 1) {
      report(event);
    }
  });
})();
