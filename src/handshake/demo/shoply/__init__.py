"""Shoply, the demo AI shopping agent: it buys from the store through the Agentic Commerce
Protocol (ACP), over the store's public HTTP APIs only."""
