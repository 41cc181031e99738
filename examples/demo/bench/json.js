'use strict';
const doc = { items: Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `item-${i}`, tags: ['a', 'b', String(i % 7)], price: i * 1.25 })) };
for (let i = 0; i < 5; i++) JSON.parse(JSON.stringify(doc));
