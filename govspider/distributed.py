"""Distributed crawling: scrapy-redis's shared scheduler, with a register of live workers.

scrapy-redis clears the shared queue and dupefilter when *a* worker closes (unless
``SCHEDULER_PERSIST``): the first worker to run out of work wiped the requests the others had
just queued, so a distributed crawl could lose pages (the two-worker test lost comment pages
once crawls got faster). Persisting instead would leave the dupefilter behind and make the next
crawl skip every URL of this one.

``SharedScheduler`` keeps a hash of live workers in Redis (``<spider>:workers``, each entry an
expiry refreshed every ``GOVSPIDER_REDIS_HEARTBEAT`` seconds, so a crashed worker drops out):

- the **first** worker of a run (no other live worker, empty queue) clears a dupefilter left
  over from an earlier run and records when the run started (``spider.run_started_at`` on every
  worker); a non-empty queue is an interrupted crawl, which is resumed;
- the **last** worker out, when it finished normally, clears the queue and the dupefilter,
  unless ``GOVSPIDER_REDIS_PERSIST`` is set; after an interruption (Ctrl-C, a shutdown) the
  queue is kept, and the next run resumes it.

The register is read and changed by one Lua script, so two workers starting or stopping at
the same moment cannot both believe they are alone.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from datetime import datetime, timezone
from typing import Any

from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

logger = logging.getLogger(__name__)

#: KEYS: workers hash, queue, dupefilter, run start. ARGV: worker id, mode (open|beat|close), ttl,
#: keep (1/0). Returns how many other workers are alive and when the run started (epoch seconds).
_REGISTER = """
local now = tonumber(redis.call('TIME')[1])
local others = 0
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  if entries[i] ~= ARGV[1] then
    if tonumber(entries[i + 1]) > now then
      others = others + 1
    else
      redis.call('HDEL', KEYS[1], entries[i])
    end
  end
end
local ttl = tonumber(ARGV[3])
if ARGV[2] == 'close' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  if others == 0 and ARGV[4] == '0' then
    redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
  end
else
  redis.call('HSET', KEYS[1], ARGV[1], now + ttl)
  redis.call('EXPIRE', KEYS[1], ttl * 2)
  if ARGV[2] == 'open' and others == 0 and redis.call('EXISTS', KEYS[2]) == 0 then
    redis.call('DEL', KEYS[3])
    redis.call('SET', KEYS[4], now)
  end
  redis.call('SETNX', KEYS[4], now)
end
return {others, tonumber(redis.call('GET', KEYS[4]) or now)}
"""


class SharedScheduler(Scheduler):
    """scrapy-redis's scheduler, cleared by the last worker of a run instead of the first."""

    def __init__(self, *args: Any, keep: bool = False, heartbeat: float = 20.0, **kwargs: Any):
        kwargs["persist"] = True  # the base class must never flush on its own: the register decides
        super().__init__(*args, **kwargs)
        self.keep = keep
        self.heartbeat = heartbeat
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self._script: Any = None
        self._beat: task.LoopingCall | None = None
        self.workers_key = ""
        self.run_key = ""
        self.run_started_at: datetime | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> SharedScheduler:
        instance = super().from_settings(settings)
        instance.keep = settings.getbool("GOVSPIDER_REDIS_PERSIST", False)
        instance.heartbeat = max(1.0, settings.getfloat("GOVSPIDER_REDIS_HEARTBEAT", 20.0))
        return instance

    def _register(self, mode: str) -> int:
        keys = [self.workers_key, self.queue.key, self.df.key, self.run_key]
        ttl = int(self.heartbeat * 3) + 1
        others, started = self._script(keys=keys, args=[self.worker_id, mode, ttl, int(self.keep)])
        self.run_started_at = datetime.fromtimestamp(int(started), timezone.utc)
        return int(others)

    def open(self, spider: Any) -> None:
        super().open(spider)
        self.workers_key = f"{spider.name}:workers"
        self.run_key = f"{spider.name}:run_started"
        self._script = self.server.register_script(_REGISTER)
        others = self._register("open")
        # the run started when its first worker did: what another worker stored since then was
        # seen by this run (a spider does not re-visit it)
        spider.run_started_at = self.run_started_at
        logger.info("Distributed crawl: worker %s joins %d other live worker(s)", self.worker_id, others)
        self._beat = task.LoopingCall(self._register, "beat")
        self._beat.start(self.heartbeat, now=False)

    def close(self, reason: str) -> None:
        if self._beat is not None and self._beat.running:
            self._beat.stop()
        if self._script is None:
            return
        if reason != "finished" and not self.keep:
            self.keep = True  # interrupted: leave the queue for the next run to resume
            logger.info("Distributed crawl interrupted (%s): the shared queue is kept", reason)
        others = self._register("close")
        if others:
            logger.info("Worker %s done; %d other worker(s) still crawling", self.worker_id, others)
        elif not self.keep:
            logger.info("Last worker out: cleared the shared queue and dupefilter")
