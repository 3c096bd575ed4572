// Runs a CloudFront Function's handler in Node: loads the file as CloudFront does (a
// script defining handler), then answers one JSON event per stdin line with the result.
'use strict';
const fs = require('fs');
const vm = require('vm');
const readline = require('readline');

const context = vm.createContext({});
vm.runInContext(fs.readFileSync(process.argv[2], 'utf8'), context);
const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  context.__event = JSON.parse(line);
  process.stdout.write(JSON.stringify(vm.runInContext('handler(__event)', context)) + '\n');
});
