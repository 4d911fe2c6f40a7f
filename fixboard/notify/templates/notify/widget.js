{% load i18n %}/* Fixboard widget: <script src="…/widget/embed.js" data-jurisdiction="…" data-area="…" async></script> */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var jurisdiction = script.getAttribute("data-jurisdiction") || "";
  if (!/^[-A-Za-z0-9_]+$/.test(jurisdiction)) { return; }
  var url = "{{ frame_base|escapejs }}" + jurisdiction + "/frame/";
  var params = [];
  var area = script.getAttribute("data-area");
  if (area && /^[0-9]+$/.test(area)) { params.push("area=" + area); }
  var size = script.getAttribute("data-size");
  if (size && /^[0-9]+$/.test(size)) { params.push("size=" + size); }
  if (params.length) { url += "?" + params.join("&"); }
  var height = script.getAttribute("data-height");
  var frame = document.createElement("iframe");
  frame.src = url;
  frame.title = "{% translate 'Latest street problems reported nearby'|escapejs %}";
  frame.loading = "lazy";
  frame.setAttribute("referrerpolicy", "no-referrer-when-downgrade");
  frame.style.cssText = "display:block;width:100%;max-width:480px;border:1px solid #d9dee4;border-radius:12px;height:" +
    (/^[0-9]+$/.test(height || "") ? height : "480") + "px";
  script.parentNode.insertBefore(frame, script);
})();
