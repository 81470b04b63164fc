// The seed's Node.js / Express example, run against Hookrelay: only the base
// URL, the ids and the key differ (from the environment here), and the
// answer carries the token too, which the seed's React snippet reads.
//   HOOKRELAY_URL=http://127.0.0.1:8080 ORG_ID=proj_... API_KEY=swk_... APP_ID=app_... node server.mjs
import express from "express";

const HOOKRELAY_URL = process.env.HOOKRELAY_URL;
const ORG_ID = process.env.ORG_ID;
const API_KEY = process.env.API_KEY;
const PORT = Number(process.env.PORT || 3000);

// Stands in for the application's own session lookup.
async function getCustomerFromSession(_req) {
  return { appId: process.env.APP_ID };
}

const app = express();

app.get('/api/portal-link', async (req, res) => {
  const customer = await getCustomerFromSession(req);

  const response = await fetch(
    `${HOOKRELAY_URL}/api/organizations/${ORG_ID}/portal/webhook-applications/${customer.appId}/magic-link`,
    {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${API_KEY}`,
      },
      body: JSON.stringify({
        expiresInMinutes: 60,
        scopes: ['read', 'write'],
      }),
    }
  );

  const { data } = await response.json();
  res.json({ url: data.url, token: data.token });
});

const server = app.listen(PORT, "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
