"""The fleet guard: no fleet-wide eviction when most members are lost at once."""
