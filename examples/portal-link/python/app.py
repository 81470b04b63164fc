# The seed's Python / Flask example, run against Hookrelay: only the base URL,
# the ids and the key differ (from the environment here), and the answer
# carries the token too, which the seed's React snippet reads.
#   HOOKRELAY_URL=http://127.0.0.1:8080 ORG_ID=proj_... API_KEY=swk_... APP_ID=app_... \
#     flask --app app run --port 5000
import os
from types import SimpleNamespace

import requests
from flask import Flask, jsonify

HOOKRELAY_URL = os.environ["HOOKRELAY_URL"]
ORG_ID = os.environ["ORG_ID"]
API_KEY = os.environ["API_KEY"]

app = Flask(__name__)


def get_customer_from_session():
    """Stands in for the application's own session lookup."""
    return SimpleNamespace(app_id=os.environ["APP_ID"])


@app.route('/api/portal-link')
def portal_link():
    customer = get_customer_from_session()

    response = requests.post(
        f'{HOOKRELAY_URL}/api/organizations/{ORG_ID}/portal/webhook-applications/{customer.app_id}/magic-link',
        headers={
            'Content-Type': 'application/json',
            'Authorization': f'Bearer {API_KEY}',
        },
        json={
            'expiresInMinutes': 60,
            'scopes': ['read', 'write'],
        },
    )

    data = response.json()['data']
    return jsonify({'url': data['url'], 'token': data['token']})
