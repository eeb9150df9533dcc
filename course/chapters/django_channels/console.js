// Paste into the browser's console on a page of the chat site.
const socket = new WebSocket("ws://" + window.location.host + "/chat/");
socket.onmessage = (event) => alert(event.data);
socket.onopen = () => socket.send("hello from the browser");
