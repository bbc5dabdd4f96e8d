// Agents on the official OpenAI Node SDK, pointed at the AgentGuard gateway by its base URL and a gateway key, as a
// TypeScript or JavaScript agent would be. Runs AGENTS agents concurrently, CALLS calls each (every third one streamed),
// and prints one JSON line: what was admitted, what was refused and with which status and code.
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY, maxRetries: 2 });
const agents = Number(process.env.AGENTS ?? 8);
const calls = Number(process.env.CALLS ?? 4);
const result = { admitted: 0, streamed: 0, refused: 0, statuses: {}, codes: {}, texts: [] };

async function call(agent, i) {
  const request = { model: "gpt-4o-mini", max_tokens: 2000, messages: [{ role: "user", content: `Agent ${agent}, step ${i}: what next?` }] };
  try {
    if (i % 3 === 2) {
      const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
      result.texts.push(text);
      result.streamed++;
    } else {
      const completion = await client.chat.completions.create(request);
      result.texts.push(completion.choices[0].message.content);
    }
    result.admitted++;
  } catch (error) {
    if (!(error instanceof OpenAI.APIError)) throw error;
    result.refused++;
    result.statuses[error.status] = (result.statuses[error.status] ?? 0) + 1;
    result.codes[error.code] = (result.codes[error.code] ?? 0) + 1;
  }
}

await Promise.all(Array.from({ length: agents }, async (_, agent) => {
  for (let i = 0; i < calls; i++) await call(agent, i);
}));
console.log(JSON.stringify(result));
