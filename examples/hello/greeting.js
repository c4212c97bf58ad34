'use strict';
// Change this line, commit, and watch the new text reach production by itself.
exports.greeting = () => 'Hello from Sluice!';
