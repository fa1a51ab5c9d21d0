"""An async report handler builds a large list of rows and serialises it with json.dumps on the loop thread, beside a heartbeat task.

Expected:
loop-never-blocked: no
no-lost-update: yes
no-deadlock: yes
offload-in-parallel: n/a
"""
import asyncio
import json

beats = 0
served = 0


async def export_report():
    global served
    rows = []
    for i in range(20000):
        rows.append({"id": i, "qty": i % 7, "sku": "A-100"})
    body = json.dumps(rows)  # gilcheck: c_call 30
    served += 1
    print("report bytes", len(body))


async def heartbeat():
    global beats
    for _ in range(3):
        await asyncio.sleep(0.01)
        beats += 1


async def main():
    await asyncio.gather(heartbeat(), export_report())
    print("beats", beats, "served", served)


if __name__ == "__main__":
    asyncio.run(main())
