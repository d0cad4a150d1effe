// The index of runs: the server writes the lists; this script only matters inside Telegram (a Mini App
// opened at the index): Telegram's theme, and each run's link carrying Telegram's launch data (#tgWebAppData,
// never sent to any server) so the run's page still knows its viewer.
(function () {
  "use strict";

  var THEME = [
    ["--bg", "secondary_bg_color", "bg_color"], ["--card", "section_bg_color", "bg_color"],
    ["--text", "text_color"], ["--hint", "hint_color"], ["--link", "link_color"],
    ["--accent", "button_color"], ["--accent-text", "button_text_color"],
  ];
  function applyTheme(theme) {
    THEME.forEach(function (entry) {
      for (var i = 1; i < entry.length; i++) {
        var colour = theme && theme[entry[i]];
        if (/^#[0-9a-fA-F]{3,8}$/.test(colour || "")) {
          document.documentElement.style.setProperty(entry[0], colour);
          return;
        }
      }
    });
    if (theme && /^#[0-9a-fA-F]{6}$/.test(theme.hint_color || "")) {
      document.documentElement.style.setProperty("--line", theme.hint_color + "40");
    }
  }

  if (location.hash.indexOf("tgWebAppData") < 0) return;
  var links = document.querySelectorAll("a.title");
  for (var i = 0; i < links.length; i++) links[i].href = links[i].getAttribute("href") + location.hash;
  var script = document.createElement("script");
  script.src = "https://telegram.org/js/telegram-web-app.js";
  script.onload = function () {
    var app = window.Telegram && window.Telegram.WebApp;
    if (!app) return;
    app.ready();
    app.expand();
    applyTheme(app.themeParams);
    app.onEvent("themeChanged", function () { applyTheme(app.themeParams); });
  };
  document.head.appendChild(script);
})();
