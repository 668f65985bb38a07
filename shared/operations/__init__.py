"""What operators see and tests inject: process heartbeats and named fault-injection points."""
