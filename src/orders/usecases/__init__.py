"""The use cases: create, read and change orders, take payments, deliver webhooks, price quotes.
Each gathers what it needs through the stores and the processor, decides with the domain's
plain functions, and writes the outcome; plain values in and out, nothing of HTTP."""
