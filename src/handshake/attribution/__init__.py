"""Attribution: ad events from partner apps, and (later) orders and revenue per channel."""
