// The no-webcam demo: a face photo drawn on a canvas with gentle head motion, captured as a
// MediaStream. It travels the same WebRTC path to the server as a camera would.

const WIDTH = 640;
const HEIGHT = 480;
const FPS = 30;
// Where the face is in the demo photo (the astronaut served at /demo/face.jpg).
const FACE = { x: 0.44, y: 0.27 };

/**
 * A 640x480 @ 30 fps MediaStream of `imageUrl` swaying gently (a few degrees of roll, a few
 * pixels of drift). Returns `{stream, stop}`; `stop()` ends the drawing and the track.
 */
export async function demoStream(imageUrl) {
  const image = new Image();
  image.crossOrigin = "anonymous";
  image.src = imageUrl;
  await image.decode();

  const canvas = document.createElement("canvas");
  canvas.width = WIDTH;
  canvas.height = HEIGHT;
  const ctx = canvas.getContext("2d");
  // Framed like a webcam at arm's length: the face about 200 px wide, its centre (FACE, as a
  // fraction of the demo photo) at the frame's centre; the motion stays small.
  const scale = (HEIGHT / image.naturalHeight) * 2.1;
  const start = performance.now();

  function draw() {
    const t = (performance.now() - start) / 1000;
    ctx.fillStyle = "#20242a";
    ctx.fillRect(0, 0, WIDTH, HEIGHT);
    ctx.save();
    ctx.translate(WIDTH / 2 + 10 * Math.sin(t * 0.7), HEIGHT / 2 + 6 * Math.sin(t * 0.9));
    ctx.rotate((3 * Math.PI / 180) * Math.sin(t * 0.5));
    const s = scale * (1 + 0.03 * Math.sin(t * 0.3));
    ctx.scale(s, s);
    ctx.drawImage(image, -FACE.x * image.naturalWidth, -FACE.y * image.naturalHeight);
    ctx.restore();
  }

  draw();
  // A timer, not requestAnimationFrame: the stream keeps flowing in a background tab.
  const timer = setInterval(draw, 1000 / FPS);
  const stream = canvas.captureStream(FPS);
  return {
    stream,
    stop() {
      clearInterval(timer);
      for (const track of stream.getTracks()) track.stop();
    },
  };
}
