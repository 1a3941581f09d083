"""Refunds for the sample payments API."""

import requests
from app.db import connection


def refund(order_id: str, amount: str) -> dict:
    total = float(amount)
    response = requests.post(
        "https://payments.internal/refunds",
        json={"order": order_id, "amount": total},
        verify=False,
    )
    return response.json()


def cleanup_orders(customer: str) -> None:
    with connection() as db:
        db.execute(f"DELETE FROM orders WHERE customer = '{customer}'")
