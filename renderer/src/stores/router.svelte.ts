/** Screens are addressed by the URL fragment (#/review, #/photo/42), so reload keeps the place. */
export type Route =
  | { screen: 'import' }
  | { screen: 'review' }
  | { screen: 'photo'; photoId: number }
  /** photoId: open the map zoomed to that photo. */
  | { screen: 'map'; photoId?: number }
  | { screen: 'alerts' }
  | { screen: 'sites' }
  | { screen: 'export' }
  | { screen: 'models' }
  | { screen: 'train' }
  | { screen: 'stations' };

export const SCREENS = ['import', 'review', 'map', 'alerts', 'sites', 'export', 'models', 'train', 'stations'] as const;

type ScreenName = (typeof SCREENS)[number];

function parse(hash: string): Route {
  const [screen, id] = hash.replace(/^#\/?/, '').split('/');
  if (screen === 'photo' && id && /^\d+$/.test(id)) return { screen: 'photo', photoId: Number(id) };
  if (screen === 'map' && id && /^\d+$/.test(id)) return { screen: 'map', photoId: Number(id) };
  if (screen !== 'review' && (SCREENS as readonly string[]).includes(screen ?? '')) return { screen: screen as Exclude<ScreenName, 'review'> };
  return { screen: 'review' };
}

class Router {
  route = $state<Route>(parse(location.hash));

  constructor() {
    window.addEventListener('hashchange', () => {
      this.route = parse(location.hash);
    });
  }

  go(route: Route): void {
    if (route.screen === 'photo') location.hash = `#/photo/${route.photoId}`;
    else if (route.screen === 'map' && route.photoId !== undefined) location.hash = `#/map/${route.photoId}`;
    else location.hash = `#/${route.screen}`;
  }
}

export const router = new Router();
