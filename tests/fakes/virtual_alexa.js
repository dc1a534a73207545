// Turns utterances into the request JSON Alexa would send, with the real npm package
// virtual-alexa reading skills/alexa/models/<locale>.json. It does not call the skill:
// a capturing handler takes the request and Python posts it over HTTP to the Flask app.
//
// Protocol: one JSON object per stdin line, one JSON object per stdout line.
//   in:  {"locale": "ja-JP", "utter": "明日のゴミは何"} | {"launch": true} |
//        {"intent": "GarbageDayIntent", "slots": {...}} | {"end": true}
//        plus optional "applicationId", "deviceId", "timestamp"
//   out: {"request": {...}, "spoken": "明日 のゴミは何"} | {"error": "..."}
//
// virtual-alexa 0.7.8 only finds a slot value that is separated by a space from the
// words around it (Alexa's Japanese models also write slots with half-width spaces).
// Japanese is spoken without spaces, so when a ja-JP utterance does not match as said,
// we let virtual-alexa try it with one space at each word boundary and keep the reading
// whose sample phrase matched the most literal text, like Alexa's NLU would.
"use strict";
const path = require("path");
const readline = require("readline");
const { VirtualAlexa } = require("virtual-alexa");
const { Utterance } = require("virtual-core");

const MODELS = path.resolve(__dirname, "..", "..", "skills", "alexa", "models");

function build(locale, applicationId) {
  let captured = null;
  const alexa = VirtualAlexa.Builder()
    .interactionModelFile(path.join(MODELS, `${locale}.json`))
    .locale(locale)
    .applicationID(applicationId)
    .handler((event, context, callback) => {
      captured = event;
      callback(null, { version: "1.0", response: { shouldEndSession: true } });
    })
    .create();
  return { alexa, take: () => captured };
}

function literalScore(utterance) {
  const slots = Object.values(utterance.toJSON()).reduce((n, v) => n + (v || "").length, 0);
  return utterance.phrase.replace(/ /g, "").length - slots;
}

function bestReading(alexa, locale, said) {
  const model = alexa.context().interactionModel();
  if (new Utterance(model, said).matched()) return said;
  if (!locale.startsWith("ja")) return said;
  const chars = Array.from(said);
  let best = null;
  let bestScore = -1;
  for (let i = 1; i < chars.length; i++) {
    const candidate = chars.slice(0, i).join("") + " " + chars.slice(i).join("");
    const u = new Utterance(model, candidate);
    if (u.matched()) {
      const score = literalScore(u);
      if (score > bestScore) {
        best = candidate;
        bestScore = score;
      }
    }
  }
  return best || said;
}

async function generate(msg) {
  const locale = msg.locale || "en-US";
  const { alexa, take } = build(locale, msg.applicationId || "amzn1.ask.skill.test");
  alexa.filter((request) => {
    // Real Alexa always names the device; virtual-alexa leaves it out unless told.
    request.context.System.device.deviceId = msg.deviceId || "amzn1.ask.device.VIRTUALALEXA";
    if (msg.timestamp) request.request.timestamp = msg.timestamp;
  });
  let spoken = null;
  if (msg.launch) await alexa.launch();
  else if (msg.end) await alexa.endSession();
  else if (msg.intent) await alexa.intend(msg.intent, msg.slots || {});
  else {
    spoken = bestReading(alexa, locale, msg.utter);
    await alexa.utter(spoken);
  }
  return { request: take(), spoken };
}

const rl = readline.createInterface({ input: process.stdin, terminal: false });
let queue = Promise.resolve();
rl.on("line", (line) => {
  if (!line.trim()) return;
  queue = queue.then(async () => {
    let out;
    try {
      out = await generate(JSON.parse(line));
    } catch (err) {
      out = { error: String((err && err.message) || err) };
    }
    process.stdout.write(JSON.stringify(out) + "\n");
  });
});
