// /insights: reload every minute so a wall screen stays current (the page itself needs no script).
setTimeout(() => window.location.reload(), 60000);
