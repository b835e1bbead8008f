// Keyboard support for role=tablist (the ARIA tabs pattern): arrow keys,
// Home and End move between tabs and select them. Tab buttons carry
// `data-tab="<id>"`.

export function tabKeys(event, tabs, select) {
  const current = tabs.indexOf(event.target.dataset.tab);
  if (current < 0) return;
  let next = null;
  if (event.key === "ArrowRight") next = (current + 1) % tabs.length;
  else if (event.key === "ArrowLeft") next = (current - 1 + tabs.length) % tabs.length;
  else if (event.key === "Home") next = 0;
  else if (event.key === "End") next = tabs.length - 1;
  if (next === null) return;
  event.preventDefault();
  select(tabs[next]);
  const el = event.target.parentElement.querySelector(`[data-tab="${tabs[next]}"]`);
  if (el) el.focus();
}
