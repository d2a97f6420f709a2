"""Services and the NLB: a TCP forwarder per virtual address (kube-proxy's userspace mode).

Runs in its own network namespace holding every Service's virtual IP, so any pod (and the host)
reaches ``<service>:<port>`` and lands on a ready endpoint's ``<pod address>:<targetPort>``.
The table is ``run/services.json``: ``[{"listen": [ip, port], "targets": [[ip, port], ...]}]``,
re-read when it changes. Connections go to the first target that accepts.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path

logger = logging.getLogger("service-proxy")


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:  # noqa: BLE001
            pass


class Forwarder:
    """Listens on one address and forwards each connection to a target."""

    def __init__(self, listen: tuple[str, int], targets: list[tuple[str, int]]) -> None:
        self.listen = listen
        self.targets = targets
        self.server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        self.server = await asyncio.start_server(self.handle, self.listen[0], self.listen[1], reuse_address=True)

    async def handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        for host, port in self.targets:
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 3)
            except (TimeoutError, OSError):
                continue
            await asyncio.gather(_pipe(client_reader, writer), _pipe(reader, client_writer))
            return
        client_writer.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


async def serve(table: Path) -> None:
    forwarders: dict[tuple[str, int], Forwarder] = {}
    seen = None
    while True:
        try:
            stamp = table.stat().st_mtime
        except FileNotFoundError:
            stamp = None
        if stamp != seen and stamp is not None:
            seen = stamp
            entries = json.loads(table.read_text(encoding="utf-8"))
            wanted = {tuple(e["listen"]): [tuple(t) for t in e["targets"]] for e in entries}
            for listen in list(forwarders):
                if listen not in wanted:
                    await forwarders.pop(listen).stop()
            for listen, targets in wanted.items():
                if listen in forwarders:
                    forwarders[listen].targets = targets
                    continue
                forwarder = Forwarder(listen, targets)
                try:
                    await forwarder.start()
                    forwarders[listen] = forwarder
                except OSError as err:
                    logger.warning("cannot listen on %s:%s: %s (retrying)", *listen, err)
                    seen = None
            logger.info("%d forwarders", len(forwarders))
        await asyncio.sleep(1)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    asyncio.run(serve(Path(sys.argv[1])))


if __name__ == "__main__":
    main()
