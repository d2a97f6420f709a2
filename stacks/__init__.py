"""The CloudFormation stacks of the app: egress, parent, members, registrations and workloads."""
