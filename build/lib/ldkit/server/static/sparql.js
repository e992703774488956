// Ctrl+Enter (or Cmd+Enter) in the editor runs the query; the page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  var editor = document.getElementById("query");
  if (!editor) { return; }
  editor.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      editor.form.submit();
    }
  });
});
