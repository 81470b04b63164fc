"""The Python SDK against a live server (tests/sdk.rs starts it and passes
HOOKRELAY_URL and an admin HOOKRELAY_API_KEY): create a webhook, ingest
through its URL with the ingest secret, list deliveries, replay one, rotate
the signing secret, create and list API keys; every delivery received is
verified with the Standard Webhooks library."""

import os
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from hookrelay_sdk import AuthenticatedClient
from hookrelay_sdk.api.deliveries import deliveries_get, deliveries_list
from hookrelay_sdk.api.ingest import ingest_send, webhooks_send_event
from hookrelay_sdk.api.project import api_keys_create, api_keys_list
from hookrelay_sdk.api.replays import deliveries_replay
from hookrelay_sdk.api.webhooks import webhooks_create, webhooks_get, webhooks_rotate_signing_secret
from hookrelay_sdk.models import CreateKey, CreateWebhook, DeliveryStatus, ErrorBody, Role, RotateSecret


class Receiver:
    """A receiver on loopback that keeps every request with its raw body."""

    def __init__(self):
        self.received = []
        self.lock = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with outer.lock:
                    outer.received.append((dict(self.headers.items()), body))
                    outer.lock.notify_all()
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait_for(self, n):
        with self.lock:
            ok = self.lock.wait_for(lambda: len(self.received) >= n, timeout=20)
        assert ok, f"the receiver got {len(self.received)} of {n} deliveries"
        return self.received


def verify(secret, request):
    headers, body = request
    lower = {k.lower(): v for k, v in headers.items()}
    return Webhook(secret).verify(body, lower)


class Scenario(unittest.TestCase):
    def test_main_scenario_against_a_live_server(self):
        base_url, api_key = os.environ["HOOKRELAY_URL"], os.environ["HOOKRELAY_API_KEY"]
        client = AuthenticatedClient(base_url=base_url, token=api_key)
        hooks = Receiver()
        try:
            created = webhooks_create.sync_detailed(
                client=client, body=CreateWebhook(name="sdk orders", destination_url=hooks.url)
            )
            self.assertEqual(created.status_code, 201)
            webhook = created.parsed.data
            self.assertTrue(webhook.ingest_secret.startswith("whsec_"))

            # Ingest through the webhook's own URL, with its ingest secret.
            public_id = urlparse(webhook.ingest_url).path.rsplit("/", 1)[-1]
            ingest_client = AuthenticatedClient(base_url=base_url, token=webhook.ingest_secret)
            accepted = ingest_send.sync_detailed(
                public_id, client=ingest_client, body={"type": "order.created", "id": 42}, idempotency_key="order-42"
            )
            self.assertEqual(accepted.status_code, 202)
            delivery_id = accepted.parsed.data.id
            first = hooks.wait_for(1)[0]
            self.assertEqual(verify(webhook.signing_secret, first), {"type": "order.created", "id": 42})

            # The API key is refused on ingest: the answer parses as the error body.
            refused = ingest_send.sync(public_id, client=client, body={})
            self.assertIsInstance(refused, ErrorBody)
            self.assertEqual(refused.error.code, "unauthorized")

            # List deliveries until the first has succeeded.
            deadline = time.time() + 20
            while True:
                page = deliveries_list.sync(client=client, webhook_id=webhook.id, status=DeliveryStatus.SUCCEEDED)
                if any(d.id == delivery_id for d in page.data) or time.time() > deadline:
                    break
                time.sleep(0.1)
            self.assertTrue(any(d.id == delivery_id and d.status == DeliveryStatus.SUCCEEDED for d in page.data))
            detail = deliveries_get.sync(delivery_id, client=client).data
            self.assertEqual(detail.attempts[0].status_code, 200)

            replay = deliveries_replay.sync(delivery_id, client=client).data
            self.assertEqual(replay.replay_of, delivery_id)
            second = hooks.wait_for(2)[1]
            self.assertEqual(second[0]["webhook-id"], replay.id)
            verify(webhook.signing_secret, second)

            # Rotate the signing secret at once: the next delivery verifies with the new one only.
            rotated = webhooks_rotate_signing_secret.sync(
                webhook.id, client=client, body=RotateSecret(overlap_seconds=0)
            ).data
            webhooks_send_event.sync(webhook.id, client=client, body={"after": "rotation"})
            third = hooks.wait_for(3)[2]
            self.assertEqual(verify(rotated.signing_secret, third), {"after": "rotation"})
            with self.assertRaises(WebhookVerificationError):
                verify(webhook.signing_secret, third)

            # API keys: create one and find it listed.
            key = api_keys_create.sync(client=client, body=CreateKey(name="sdk bot", role=Role.WRITE)).data
            self.assertTrue(key.secret.startswith("swk_"))
            keys = api_keys_list.sync(client=client, limit=100).data
            self.assertTrue(any(k.id == key.id and k.role == Role.WRITE for k in keys))
            missing = webhooks_get.sync_detailed("wh_missing", client=client)
            self.assertEqual(missing.status_code, 404)
        finally:
            hooks.server.shutdown()


if __name__ == "__main__":
    unittest.main()
