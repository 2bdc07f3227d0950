// The plaque's QR code read with the phone's camera, where the browser can: BarcodeDetector reading qr_code and
// navigator.mediaDevices.getUserMedia. Elsewhere 扫码 stays hidden and the inspector types the code printed
// under the QR code. The online checklist page and the offline app both use it (Inspect.scan.attach).
"use strict";
window.Inspect = window.Inspect || {};
(function (ns) {
  const LOOK_EVERY_MS = 250;  // a frame four times a second finds a QR code held still quickly enough

  async function supported() {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return false; }
    try {
      return (await window.BarcodeDetector.getSupportedFormats()).indexOf("qr_code") >= 0;
    } catch (error) {
      return false;
    }
  }

  // `block` is a [data-plaque-check] element; `found(text)` gets what the QR code holds.
  async function attach(block, found) {
    const button = block.querySelector("[data-plaque-scan]"), camera = block.querySelector("[data-plaque-camera]");
    if (!button || !camera || button.dataset.bound) { return; }
    button.dataset.bound = "1";
    if (!(await supported())) { button.hidden = true; return; }
    button.hidden = false;
    const video = camera.querySelector("video"), state = block.querySelector("[data-plaque-state]");
    let stream = null, timer = null;
    function say(text) { if (state) { state.textContent = text; } }
    function stop() {
      clearTimeout(timer);
      if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
      stream = null; video.srcObject = null; camera.hidden = true;
    }
    camera.querySelector("[data-plaque-stop]").addEventListener("click", function () { stop(); say(""); });
    button.addEventListener("click", async function () {
      if (stream) { return; }
      say("正在打开摄像头…");
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false });
      } catch (error) {
        say("无法使用摄像头：请允许使用摄像头，或直接输入二维码下方的8位编码");
        return;
      }
      camera.hidden = false;
      video.srcObject = stream;
      try { await video.play(); } catch (error) { /* muted inline video plays; a refusal shows a still frame */ }
      say("请将牌匾上的二维码对准取景框");
      const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      async function look() {
        if (!stream) { return; }
        let codes = [];
        try { codes = await detector.detect(video); } catch (error) { codes = []; }
        const text = codes.length ? codes[0].rawValue : "";
        if (text) { stop(); say("已识别二维码"); found(text); return; }
        timer = setTimeout(look, LOOK_EVERY_MS);
      }
      look();
    });
  }

  ns.scan = { supported: supported, attach: attach };

  // The blocks the server drew: the code read fills the field and the field's form is sent.
  document.querySelectorAll("[data-plaque-check]").forEach(function (block) {
    attach(block, function (text) {
      const input = block.querySelector("[data-plaque-input]");
      input.value = text;
      if (input.form) { if (input.form.requestSubmit) { input.form.requestSubmit(); } else { input.form.submit(); } }
    });
  });
})(window.Inspect);
