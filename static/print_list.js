// The 打印本页 button of the one-time password list (scripts are never inline: the CSP forbids it).
"use strict";
document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("[data-print]")) {
    window.print();
  }
});
