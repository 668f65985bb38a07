"""The outbox relay: a service's notification log published to its Kafka topic, and the relay's position."""
