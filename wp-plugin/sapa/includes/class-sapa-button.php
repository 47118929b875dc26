<?php
/**
 * The storefront's floating WhatsApp button.
 *
 * @package Sapa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Renders a wa.me link in the footer when the shop is connected, has a number and the page matches.
 */
class Sapa_Button {

	/**
	 * Whether the current storefront page shows the button.
	 *
	 * @return bool
	 */
	public function should_render() {
		if ( is_admin() || is_feed() || is_embed() ) {
			return false;
		}
		$connection = Sapa_Options::connection();
		if ( null === $connection || '' === self::digits( $connection ) ) {
			return false;
		}
		return $this->page_matches( Sapa_Options::settings() );
	}

	/**
	 * Whether the page settings allow the button here.
	 *
	 * @param array $settings Storefront settings.
	 * @return bool
	 */
	public function page_matches( array $settings ) {
		if ( ! empty( $settings['hide_on_checkout'] ) && Sapa_WooCommerce::is_cart_or_checkout() ) {
			return false;
		}
		$ids    = array_map( 'intval', (array) $settings['page_ids'] );
		$listed = array() !== $ids && is_singular() && in_array( (int) get_queried_object_id(), $ids, true );
		switch ( $settings['pages'] ) {
			case 'only':
				return $listed;
			case 'except':
				return ! $listed;
			default:
				return true;
		}
	}

	/**
	 * The wa.me link: https://wa.me/<digits>?text=<message>.
	 *
	 * @param string $digits  Number without "+".
	 * @param string $message Pre-filled message ('' for none).
	 * @return string
	 */
	public static function link( $digits, $message ) {
		$url = 'https://wa.me/' . $digits;
		return '' === $message ? $url : $url . '?text=' . rawurlencode( $message );
	}

	/**
	 * Enqueues the small stylesheet, only on pages that show the button.
	 */
	public function enqueue() {
		if ( $this->should_render() ) {
			wp_enqueue_style( 'sapa-button', plugins_url( 'assets/css/sapa-button.css', SAPA_PLUGIN_FILE ), array(), SAPA_VERSION );
		}
	}

	/**
	 * Prints the button (wp_footer).
	 */
	public function render() {
		if ( ! $this->should_render() ) {
			return;
		}
		$settings = Sapa_Options::settings();
		$digits   = self::digits( Sapa_Options::connection() );
		$position = in_array( $settings['position'], Sapa_Options::POSITIONS, true ) ? $settings['position'] : 'right';
		/* translators: %s: the button label, e.g. "Chat with us" */
		$aria_label = sprintf( __( '%s on WhatsApp (opens in a new tab)', 'sapa' ), $settings['button_label'] );
		?>
		<a class="sapa-whatsapp-button sapa-whatsapp-button--<?php echo esc_attr( $position ); ?>" href="<?php echo esc_url( self::link( $digits, (string) $settings['message'] ) ); ?>" target="_blank" rel="noopener noreferrer" aria-label="<?php echo esc_attr( $aria_label ); ?>">
			<svg class="sapa-whatsapp-button__icon" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true" focusable="false"><path fill="currentColor" d="M16 3C8.8 3 3 8.7 3 15.8c0 2.5.7 4.9 2 7L3 29l6.4-2c2 1.1 4.3 1.7 6.6 1.7 7.2 0 13-5.7 13-12.8S23.2 3 16 3zm0 23.4c-2.1 0-4.1-.6-5.9-1.7l-.4-.3-3.8 1.2 1.2-3.7-.3-.4a10.4 10.4 0 0 1-1.7-5.7C5.1 9.9 10 5.1 16 5.1s10.9 4.8 10.9 10.7S22 26.4 16 26.4zm6-8c-.3-.2-1.9-1-2.2-1.1-.3-.1-.5-.2-.7.2l-1 1.2c-.2.2-.4.2-.7.1a8.9 8.9 0 0 1-4.4-3.8c-.3-.6.3-.5 1-1.8.1-.2 0-.4 0-.6l-1-2.4c-.3-.6-.5-.5-.7-.5h-.6c-.2 0-.6.1-.9.4-.3.3-1.2 1.1-1.2 2.8s1.2 3.2 1.4 3.5c.2.2 2.4 3.6 5.8 5 2.1.9 3 1 4 .8.7-.1 1.9-.8 2.2-1.5.3-.7.3-1.4.2-1.5-.1-.2-.3-.3-.6-.4z"/></svg>
			<span class="sapa-whatsapp-button__label"><?php echo esc_html( $settings['button_label'] ); ?></span>
		</a>
		<?php
	}

	/**
	 * The connection's WhatsApp number as digits only ('' when none).
	 *
	 * @param array|null $connection Connection record.
	 * @return string
	 */
	private static function digits( $connection ) {
		if ( ! is_array( $connection ) || empty( $connection['whatsapp_number'] ) ) {
			return '';
		}
		return (string) preg_replace( '/\D/', '', (string) $connection['whatsapp_number'] );
	}
}
