"""Each service's own projection of the shared case history, built from Kafka."""
