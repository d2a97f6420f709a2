"""DeployTimeAdmin: cluster admin for a kubectl provider only while a deploy applies its objects."""
