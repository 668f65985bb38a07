"""Kafka: clients with explicit safe settings, topics, the CloudEvents wire format, and the
AsyncAPI document of the published language.
"""
