// While a broadcast is scheduled or sending, ask for its progress every 3 seconds and move its bar.
(function () {
  var active = ["scheduled", "sending"];
  function poll(row) {
    fetch("/staff/pengumuman/" + row.dataset.id + "/kemajuan", {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (!body) { return; }
        row.querySelector("progress").value = body.percent;
        row.querySelector(".persen").textContent = body.percent + "%";
        row.querySelector(".sampai").textContent = body.reached;
        row.querySelector(".jumlah").textContent = body.total;
        row.querySelector(".status").textContent = body.label;
        if (active.indexOf(body.status) >= 0) { setTimeout(function () { poll(row); }, 3000); return; }
        if (body.status === "paused") { return; }
        // finished or cancelled: nothing left to pause or cancel
        row.querySelectorAll(".aktif").forEach(function (node) { node.textContent = ""; });
      });
  }
  document.querySelectorAll("tr.siaran").forEach(function (row) {
    var status = row.querySelector(".status").dataset.status;
    if (active.indexOf(status) >= 0) { setTimeout(function () { poll(row); }, 3000); }
  });
})();
