/* A captions file chosen in a video form is read into the form's captions text area, which is
   what the form posts (forms post URL-encoded, with their CSRF field; the text can be checked
   and edited before saving). Without JavaScript, paste the captions into the text area. */
(function () {
  "use strict";

  document.querySelectorAll("input[type=file][data-captions-file]").forEach(function (input) {
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      var target = document.getElementById(input.dataset.captionsFile);
      if (!file || !target) {
        return;
      }
      file.text().then(function (text) {
        target.value = text;
      });
    });
  });
}());
