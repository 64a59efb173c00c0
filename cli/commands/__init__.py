"""CLI command modules. Each defines ``register(group: click.Group) -> None``."""
